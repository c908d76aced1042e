"""``python -m bench [--quick]``."""

from .run import main

main()
