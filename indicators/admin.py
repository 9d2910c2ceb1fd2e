from django.contrib import admin

from indicators.models import Category, Scheme


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["parent", "name", "position"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "scheme", "position"]
    list_filter = ["scheme"]
    search_fields = ["name"]
