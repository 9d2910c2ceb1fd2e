"""The review workflow's URLs (included under `review/`)."""

from django.urls import path

from tables.imports import views as imports_views
from tables.review.views import comments, dashboard, notifications, page, queue, snapshots, transitions

urlpatterns = [
    path("", queue.queue, name="review-queue"),
    path("dashboard/", dashboard.dashboard, name="review-dashboard"),
    path(
        "dashboard/<int:round_pk>/departments/<int:org_pk>/",
        dashboard.dashboard_department,
        name="review-dashboard-department",
    ),
    path("dashboard/<int:round_pk>/export.xlsx", dashboard.dashboard_xlsx, name="review-dashboard-xlsx"),
    path("tables/<int:pk>/", page.review_table, name="review-table"),
    path("tables/<int:pk>/open/", page.start_review, name="review-open"),
    path("tables/<int:pk>/submit/", transitions.submit, name="review-submit"),
    path("tables/<int:pk>/withdraw/", transitions.withdraw, name="review-withdraw"),
    path("tables/<int:pk>/forward/", transitions.forward, name="review-forward"),
    path("tables/<int:pk>/return/", transitions.return_, name="review-return"),
    path("tables/<int:pk>/approve/", transitions.approve, name="review-approve"),
    path("tables/<int:pk>/reopen/", transitions.reopen, name="review-reopen"),
    path("tables/<int:pk>/adjustment/", transitions.request_adjustment, name="review-adjustment-request"),
    path("tables/<int:pk>/adjustment/decide/", transitions.decide_adjustment, name="review-adjustment-decide"),
    path("tables/<int:pk>/comments/", comments.comments, name="review-comments"),
    path("tables/<int:pk>/diff/", snapshots.diff, name="review-diff"),
    path("tables/<int:pk>/audit/", snapshots.audit, name="review-audit"),
    path("comments/<int:pk>/", comments.comment_link, name="review-comment"),
    path("comments/<int:pk>/reply/", comments.comment_reply, name="review-comment-reply"),
    path("comments/<int:pk>/resolve/", comments.comment_resolve, name="review-comment-resolve"),
    path("snapshots/<int:pk>/export.json", snapshots.snapshot_json, name="review-snapshot-json"),
    path("snapshots/<int:pk>/export.pdf", snapshots.snapshot_pdf, name="review-snapshot-pdf"),
    path("snapshots/<int:pk>/export.xlsx", snapshots.snapshot_xlsx, name="review-snapshot-xlsx"),
    path("notifications/", notifications.notification_list, name="review-notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="review-notification-open"),
    path("notifications/read-all/", notifications.notifications_read_all, name="review-notifications-read-all"),
    path("accounts/import/", imports_views.accounts_import, name="review-accounts-import"),
    path("accounts/template.xlsx", imports_views.accounts_template, name="review-accounts-template"),
    path("accounts/not-logged-in/", imports_views.accounts_inactive, name="review-accounts-inactive"),
]
