import sys

from envadvisor.cli import main

sys.exit(main())
