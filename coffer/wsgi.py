import ctypes
import os
import platform

from django.core.wsgi import get_wsgi_application

# glibc malloc in a threaded worker (docs/performance.md, "Files"): a buffer above the
# mmap threshold is mmapped and leaves RSS when freed, but the first such free raises
# the threshold to the freed size (up to 32 MiB), so from then on the 8 MiB upload parts
# and read-ahead ranges come from per-thread arenas, where they fragment. A fixed
# threshold turns the dynamic one off: 4 MiB keeps the 8 MiB buffers mmapped while the
# many 64 KiB-1 MiB ones stay in the arenas (a 256 KiB threshold cost a third more CPU
# per upload in page faults). Fixing it also fixes the trim threshold, at 128 KiB,
# which returned arena memory to the kernel after nearly every free, to fault it back
# in at the next: 64 MiB keeps it. Measured: about 20 MiB less growth during a 1 GiB
# upload, the same CPU. Nothing here changes what is allocated, only where.
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def tune_malloc() -> None:
    if platform.libc_ver()[0] != "glibc":
        return  # musl and others: nothing to tune
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


tune_malloc()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coffer.settings.production")
application = get_wsgi_application()
