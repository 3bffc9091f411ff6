"""The normalized roof report (``roofkit.report/v1``) and the rules every format shares.

Pure: no web, messaging or database imports here.
"""
