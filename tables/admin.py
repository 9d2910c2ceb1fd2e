from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import F

from tables.layout_spec import validate
from tables.models import (
    AuditEntry,
    ImportMapping,
    Layout,
    Membership,
    Organisation,
    OverallGoal,
    PasswordChangeRequired,
    Round,
    SubGoal,
    TargetTable,
    Task,
)
from tables.passwords import require_change
from tables.setup.duties import duty_of


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    # The name is the link: an organisation without a code (唐山市丰润区财政局) would be a "-" link.
    list_display = ["name", "code", "parent", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class LayoutForm(forms.ModelForm):
    """The admin's layout form refuses a record the editor, prints and checks could not follow."""

    class Meta:
        model = Layout
        fields = [
            "code", "name", "kind", "scheme", "title", "blocks", "budget_keys", "columns", "options",
            "header", "column_labels", "periods", "footer", "opinion_rows", "opinion_levels", "compatible", "checks",
        ]  # fmt: skip

    def clean_opinion_levels(self):
        return self.cleaned_data.get("opinion_levels") or {}  # left empty: no level prints in a row

    def clean_compatible(self):
        return self.cleaned_data.get("compatible") or []  # left empty: only the same layout copies in

    def clean(self):
        data = super().clean()
        scheme = data.get("scheme")
        spec = {**data, "code": data.get("code") or "", "scheme": scheme.code if scheme else ""}
        for problem in validate(spec):
            self.add_error(None, problem)
        return data


@admin.register(Layout)
class LayoutAdmin(admin.ModelAdmin):
    form = LayoutForm
    list_display = ["code", "name", "kind", "scheme"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "layout", "opens", "deadline", "review_levels"]
    list_filter = ["year", "layout"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "duty", "include_units"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation", "review_duty"]
    search_fields = ["user__username", "organisation__name", "organisation__code"]
    autocomplete_fields = ["organisation"]

    @admin.display(description="角色（含审核级次）")
    def duty(self, membership: Membership) -> str:
        """主管部门审核人 or 财政审核人, not only 审核人 (the set-up pages' words, `tables/setup/duties.py`)."""
        return duty_of(membership).label


# The admin is no way around the workflow: a table under review or approved is read-only here
# (its content is what was submitted, and exports print it under 已批复), its status changes only
# through submit/return/approve/reopen, and an allowed edit of a draft is audited and bumps the
# version (an editor page open on the old version then reports a conflict instead of overwriting).


def _locked(table: TargetTable | None) -> bool:
    return table is not None and table.pk is not None and not table.is_editable


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)


@admin.register(TargetTable)
class TargetTableAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "year", "kind", "status", "version"]
    list_filter = ["year", "kind", "status", "layout"]
    search_fields = ["title", "organisation__name", "project_code"]
    # The 审核意见 rows printed on the form are shown, not edited here: a JSON box would save "[]" as a change.
    readonly_fields = ["status", "version", "created_at", "updated_at", "created_by", "updated_by", "opinions"]
    inlines = [TaskInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            return
        changed = [str(form.fields[name].label) for name in form.changed_data]
        changed += [str(fs.model._meta.verbose_name) for fs in formsets if fs.has_changed()]
        if not changed:
            return
        table = form.instance
        TargetTable.objects.filter(pk=table.pk).update(version=F("version") + 1)
        table.refresh_from_db(fields=["version"])
        AuditEntry.objects.create(
            table=table,
            version=table.version,
            user=request.user,
            action=AuditEntry.Action.CHANGE,
            what=f"在管理后台修改：{'、'.join(dict.fromkeys(changed))}"[:300],
        )


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


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    """A wrong remembered mapping is deleted here (or replaced by confirming a preview again)."""

    list_display = ["organisation", "layout_code", "confirmed_by", "confirmed_at"]
    list_filter = ["layout_code"]
    search_fields = ["organisation__name", "organisation__code"]
    readonly_fields = ["organisation", "layout_code", "signature", "sources", "mapping", "confirmed_by", "confirmed_at"]
