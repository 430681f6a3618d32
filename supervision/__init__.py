"""运行效能网上监察: the bureau's supervision of the market — figures and charts with their
definitions, exports, warnings on steps that run late, anti-avoidance signals and the
bureau's to-do list. It reads every domain app below it and is read by none of them."""
