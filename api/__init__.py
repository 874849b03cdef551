"""The HTTP layer and the command line on top of the :mod:`fengong` library."""
