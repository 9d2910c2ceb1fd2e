"""In-year monitoring (绩效运行监控): rounds the bureau opens, a form per approved table, traffic lights."""
