"""``make demo``: a realistic year of both programmes played into a running system.

Everything goes through the intake, as the ministry's, the provinces' and the experts' own tools
would send it, with business dates of 2026; the registry then shows the result.
"""
