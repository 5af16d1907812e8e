"""Whether a process still runs: the test behind marking orphaned trials and cleaning
left-over temp folders."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a recycled pid counts as
    running: callers then keep what they would have cleaned, the safe side)."""
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
