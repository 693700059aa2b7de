"""A simulated serial device on a real pseudo-terminal, with a cable that can be pulled.

The driver under test opens the slave side by name, exactly as it would open
`/dev/ttyUSB0`; the simulator answers on the master side. `link` keeps a stable symlink
(like `/dev/serial/by-id/...`) pointing at whichever pty is current, so a replug that
comes back under another tty name is followed the way udev does it.
"""

from __future__ import annotations

import errno
import os
import select
import termios
import threading
import tty
from pathlib import Path

_BAUD_BY_CONSTANT = {
    getattr(termios, f"B{rate}"): rate
    for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
}


class PtyPort:
    def __init__(self, link: str | Path | None = None):
        self.link = Path(link) if link else None
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self.name = ""
        self.plugged = False
        self.plug()

    @property
    def path(self) -> str:
        """What a driver should open: the stable link when there is one."""
        return str(self.link) if self.link else self.name

    def plug(self) -> None:
        with self._lock:
            if self.plugged:
                return
            previous = self.name
            master, slave = os.openpty()
            if os.ttyname(slave) == previous:
                # Same number again: take the next one, as a hub port change would.
                master2, slave2 = os.openpty()
                os.close(master)
                os.close(slave)
                master, slave = master2, slave2
            # Raw until the driver sets its own mode: no echo, no CR/LF translation.
            tty.setraw(slave)
            # IXANY up front (see _keep_settable): otherwise the first read's
            # read-modify-write of the attributes can race the driver's own open and
            # put back the pty's default 38400 baud, which reads as a wrong-baud fault.
            attrs = termios.tcgetattr(slave)
            attrs[0] |= termios.IXANY
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            self._master, self._slave = master, slave
            self.name = os.ttyname(slave)
            self.plugged = True
            if self.link is not None:
                tmp = self.link.with_name(self.link.name + ".new")
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(self.name)
                tmp.replace(self.link)

    def unplug(self) -> None:
        with self._lock:
            if not self.plugged:
                return
            self.plugged = False
            if self.link is not None:
                self.link.unlink(missing_ok=True)
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None

    def close(self) -> None:
        self.unplug()

    def baudrate(self) -> int | None:
        """Speed the driver set on its side (the only line setting a pty keeps)."""
        with self._lock:
            if self._slave is None:
                return None
            speed = termios.tcgetattr(self._slave)[4]
        return _BAUD_BY_CONSTANT.get(speed)

    def read(self, timeout: float) -> bytes:
        """Bytes from the driver, or b"" after `timeout` (or while unplugged).

        Holds the lock while waiting (keep `timeout` short): closing the fd under a
        select would let the number be reused by an unrelated file.
        """
        with self._lock:
            master = self._master
            if master is not None:
                self._keep_settable()
                try:
                    ready, _, _ = select.select([master], [], [], timeout)
                    return os.read(master, 4096) if ready else b""
                except OSError as exc:
                    if exc.errno != errno.EIO:
                        raise
                    return b""
        threading.Event().wait(timeout)
        return b""

    def _keep_settable(self) -> None:
        # Kernel quirk: a pty forces CS8 and no parity, and tcsetattr() fails with
        # EINVAL when the only change asked for is one it ignores. pyserial reopening
        # at 7E1 would then fail on the second open, which a real UART never does.
        # IXANY (meaningless while IXON is off) is raised again here so that every
        # open has something real to change.
        attrs = termios.tcgetattr(self._slave)
        if not attrs[0] & termios.IXANY:
            attrs[0] |= termios.IXANY
            termios.tcsetattr(self._slave, termios.TCSANOW, attrs)

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._master is None:
                return  # the cable is out: bytes go nowhere
            try:
                os.write(self._master, data)
            except OSError as exc:
                if exc.errno not in (errno.EIO, errno.EBADF):
                    raise
