"""`python -m screening`: the command line (screening/cli.py).

Loading the modules builds ~50,000 objects that live until the process ends (classes, pydantic schemas
and validators). Python's cyclic garbage collector walks them again and again while they pile up, and
once more at exit: ~80 ms of a ~0.5 s `check`. None of them is garbage, so collection is paused while
the modules load; they are then frozen (never walked again, not even at exit) and collection resumes
for the work itself.
"""

import gc
import sys

gc.disable()
from .cli import main  # noqa: E402  (imported with collection paused: see above)

gc.freeze()
gc.enable()

sys.exit(main())
