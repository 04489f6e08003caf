"""Allow ``python -m diemcau_agent``."""
import sys

from diemcau_agent.cli import main

sys.exit(main())
