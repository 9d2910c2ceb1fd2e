"""The review workflow's URLs (included under `review/`)."""

from django.urls import path

from tables import review

urlpatterns = [
    path("", review.queue, name="review-queue"),
    path("dashboard/", review.dashboard, name="review-dashboard"),
    path("dashboard/<int:round_pk>/export.xlsx", review.dashboard_xlsx, name="review-dashboard-xlsx"),
    path("tables/<int:pk>/", review.review_table, name="review-table"),
    path("tables/<int:pk>/open/", review.start_review, name="review-open"),
    path("tables/<int:pk>/submit/", review.submit, name="review-submit"),
    path("tables/<int:pk>/withdraw/", review.withdraw, name="review-withdraw"),
    path("tables/<int:pk>/forward/", review.forward, name="review-forward"),
    path("tables/<int:pk>/return/", review.return_, name="review-return"),
    path("tables/<int:pk>/approve/", review.approve, name="review-approve"),
    path("tables/<int:pk>/reopen/", review.reopen, name="review-reopen"),
    path("tables/<int:pk>/comments/", review.comments, name="review-comments"),
    path("tables/<int:pk>/diff/", review.diff, name="review-diff"),
    path("tables/<int:pk>/audit/", review.audit, name="review-audit"),
    path("comments/<int:pk>/", review.comment_link, name="review-comment"),
    path("comments/<int:pk>/reply/", review.comment_reply, name="review-comment-reply"),
    path("comments/<int:pk>/resolve/", review.comment_resolve, name="review-comment-resolve"),
    path("snapshots/<int:pk>/export.json", review.snapshot_json, name="review-snapshot-json"),
    path("snapshots/<int:pk>/export.pdf", review.snapshot_pdf, name="review-snapshot-pdf"),
    path("notifications/", review.notification_list, name="review-notifications"),
    path("notifications/<int:pk>/open/", review.notification_open, name="review-notification-open"),
    path("notifications/read-all/", review.notifications_read_all, name="review-notifications-read-all"),
    path("accounts/import/", review.accounts_import, name="review-accounts-import"),
    path("accounts/template.xlsx", review.accounts_template, name="review-accounts-template"),
    path("accounts/not-logged-in/", review.accounts_inactive, name="review-accounts-inactive"),
]
