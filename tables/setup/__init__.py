"""Setting up review in the product's own pages: organisations, people and their duties, rounds' review levels.

`duties.py` is the vocabulary (填报人, 主管部门审核人, 财政审核人, 管理员) and the rules the pages and the
accounts import share; `forms.py`, `views.py` and `urls.py` are the pages (bureau admins only).
"""
