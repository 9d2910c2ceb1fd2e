"""The set-up pages' forms (crispy, every field labelled); each rule is `tables/setup/duties.py`, as in the import."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model

from tables.models import Organisation, Round
from tables.setup import duties
from tables.setup.duties import Duty


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class OrganisationChoice(forms.ModelChoiceField):
    """An organisation by its code and name, or by its name alone when it has no code."""

    def label_from_instance(self, obj: Organisation) -> str:
        return str(obj)


class OrganisationForm(forms.ModelForm):
    code = forms.CharField(label="编码", required=False, max_length=40, help_text="可不填；不填时按名称识别")
    parent = OrganisationChoice(
        label="主管部门（上级）",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="（无：本身是主管部门）",
    )

    class Meta:
        model = Organisation
        fields = ["code", "name", "parent", "active"]
        labels = {"name": "名称", "active": "启用"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Organisation.objects.filter(parent__isnull=True).order_by("code", "name")
        if self.instance.pk:
            departments = departments.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = departments
        self.helper = _helper()

    def clean_code(self) -> str | None:
        code = (self.cleaned_data.get("code") or "").strip()
        if problem := duties.code_problem(code):
            raise forms.ValidationError(problem)
        if code and Organisation.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"编码“{code}”已被另一个部门（单位）使用")
        return code or None

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if problem := duties.name_problem(name):
            raise forms.ValidationError(problem)
        return name

    def clean(self):
        data = super().clean()
        code, name, parent = data.get("code"), data.get("name"), data.get("parent")
        if name and not code:
            twin = Organisation.objects.filter(code__isnull=True, name=name).exclude(pk=self.instance.pk)
            if twin.exists():
                self.add_error("code", f"已有名为“{name}”且没有编码的部门（单位），请填写编码以区分")
        if parent is not None:
            own = str(self.instance) if self.instance.pk else (name or "")
            problem = duties.parent_problem(own, str(parent), parent.parent_id is not None)
            if parent.pk == self.instance.pk:
                problem = "上级不能是自己"
            if problem is None and self.instance.pk and self.instance.units.exists():
                problem = duties.has_units_problem(own)
            if problem:
                self.add_error("parent", problem)
        return data

    def validate_unique(self):
        """A code or an uncoded name used twice is said by `clean_code` and `clean` in the bureau's words;
        the database constraints stay the last guard."""

    def validate_constraints(self):
        """As `validate_unique`."""


class DutyForm(forms.Form):
    """One duty for one organisation (管理员: all of them)."""

    duty = forms.ChoiceField(label="角色", choices=Duty.choices)
    organisation = OrganisationChoice(
        label="部门（单位）", queryset=Organisation.objects.none(), required=False, empty_label="（管理员不必选）"
    )
    include_units = forms.BooleanField(label="含下属单位（填报人）", required=False)
    confirm_admin = forms.BooleanField(label="确认授予管理员权限（可管理全部部门、人员和批次）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(active=True).order_by("code", "name")
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        duty = data.get("duty")
        if not duty:
            return data
        if problem := duties.organisation_needed_problem(duty, data.get("organisation") is not None):
            self.add_error("organisation", problem)
        if duty == Duty.ADMIN and not data.get("confirm_admin"):
            self.add_error("confirm_admin", "授予管理员权限须勾选确认")
        return data


class PersonForm(forms.ModelForm):
    """A person's name, e-mail and whether they may log in."""

    class Meta:
        model = get_user_model()
        fields = ["first_name", "email", "is_active"]
        labels = {"first_name": "姓名", "email": "邮箱", "is_active": "可以登录"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip()
        if problem := duties.email_problem(email):
            raise forms.ValidationError(problem)
        return email


class NewPersonForm(DutyForm):
    """A new person with their first duty (a person without one sees nothing)."""

    username = forms.CharField(label="用户名", max_length=150)
    name = forms.CharField(label="姓名", max_length=150, required=False)
    email = forms.CharField(label="邮箱", max_length=254, required=False)
    password = forms.CharField(
        label="初始密码",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="首次登录时须修改；不填则须由本人通过邮箱“忘记密码”设置",
    )
    field_order = ["username", "name", "email", "password", "duty", "organisation", "include_units", "confirm_admin"]

    def clean_username(self) -> str:
        username = (self.cleaned_data.get("username") or "").strip()
        if problem := duties.username_problem(username):
            raise forms.ValidationError(problem)
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(f"用户名“{username}”已被使用")
        return username

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip()
        if problem := duties.email_problem(email):
            raise forms.ValidationError(problem)
        return email

    def clean(self):
        data = super().clean()
        password = data.get("password") or ""
        username = data.get("username") or ""
        if password and username:
            problem = duties.password_problem(password, username, data.get("name") or "", data.get("email") or "")
            if problem:
                self.add_error("password", problem)
        return data


class RoundForm(forms.ModelForm):
    """A round's name, dates and review levels (one: 财政审核; two: 主管部门审核, then 财政审核)."""

    review_levels = forms.TypedChoiceField(
        label="审核级次",
        coerce=int,
        choices=[(1, "一级：财政审核"), (2, "两级：主管部门审核，再财政审核")],
        widget=forms.RadioSelect,
        help_text="两级时，下属单位的表先由主管部门审核人审核并转报，再由财政审核人批复；部门本级的表仍只经财政审核。",
    )

    class Meta:
        model = Round
        fields = ["title", "opens", "deadline", "review_levels"]
        labels = {"title": "名称", "opens": "开始日期", "deadline": "截止日期"}
        widgets = {
            "opens": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, under_review: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.under_review = under_review
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        opens, deadline = data.get("opens"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", "截止日期不能早于开始日期")
        if "review_levels" in self.changed_data and self.under_review:
            self.add_error(
                "review_levels",
                f"该批次有 {self.under_review} 张表正在审核中；审核级次须等这些表批复或退回后再修改",
            )
        return data
