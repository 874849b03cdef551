"""Sub-commands of the ``fengong`` command line, one module each."""
