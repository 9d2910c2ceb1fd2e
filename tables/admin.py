from django.contrib import admin

from tables.models import Layout, Membership, Organisation, OverallGoal, Round, SubGoal, TargetTable, Task


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
