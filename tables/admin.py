from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tables.models import Layout, Membership, Organisation, OverallGoal, Round, SubGoal, TargetTable, Task
from tables.passwords import PasswordChangeRequired, require_change


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Layout)
class LayoutAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "scheme"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "layout", "opens", "deadline", "review_levels"]
    list_filter = ["year", "layout"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "include_units"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name", "organisation__code"]
    autocomplete_fields = ["organisation"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0


@admin.register(TargetTable)
class TargetTableAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "year", "kind", "status", "version"]
    list_filter = ["year", "kind", "status", "layout"]
    search_fields = ["title", "organisation__name", "project_code"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by", "updated_by"]
    inlines = [TaskInline]


class SubGoalInline(admin.StackedInline):
    model = SubGoal
    extra = 0


@admin.register(OverallGoal)
class OverallGoalAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year"]
    inlines = [SubGoalInline]


# ---------------------------------------------------------------- users (a password an admin typed is changed at login)

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            require_change(obj, PasswordChangeRequired.Reason.ADMIN)

    def user_change_password(self, request, id, form_url=""):
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user and user.password != before and user.has_usable_password() and user.pk != request.user.pk:
            require_change(user, PasswordChangeRequired.Reason.ADMIN)  # a reset: the admin knows it
        return response


@admin.register(PasswordChangeRequired)
class PasswordChangeRequiredAdmin(admin.ModelAdmin):
    list_display = ["user", "reason", "created_at"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
