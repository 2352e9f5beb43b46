"""``python -m envadvisor``: the same program as the ``envadvisor`` command.

It runs :func:`envadvisor.cli.main` with the command line and exits with its code: 0 nothing reached
``--fail-on``, 1 something did, 2 a usage or input error (one line on stderr).
"""

import sys

from envadvisor.cli import main

sys.exit(main())
