"""The hand-off between copies of the app: the copy that holds the single-instance lock listens on a
local socket next to it; a second copy (the browser starting the app with a link, or the owner
starting it again) says what it came for and exits.

One line per connection, at most MAX_MESSAGE bytes: `open` (bring the window to the front) or
`link <accessally-desktop://…>`; the listener answers `ok`. On Unix the socket is a file in the
user's own config folder (or their runtime folder when that path is too long for a socket), only
ever connected to when this user owns it; on Windows a named pipe whose name is derived from that
folder, open to this user only. Loaded after the window is up: QtNetwork is ~15 ms of a start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ..settings import config_dir
from .url_inbox import UrlInbox

log = logging.getLogger(__name__)

SOCKET_FILE = "instance.sock"
MAX_MESSAGE = 16 * 1024  # a link is well under 8 KB (wordpress_authorize.MAX_CALLBACK_LENGTH)
MAX_UNIX_SOCKET_PATH = 100  # sun_path holds 104-108 bytes, depending on the system
CONNECT_MS = 1000
ANSWER_MS = 3000  # how long either side waits for the other's line
OPEN, LINK, OK = "open", "link", "ok"


def socket_name(directory: Path | None = None) -> str:
    """The listener's name for this user and this config folder (tests and the sandbox get their own)."""
    directory = (directory or config_dir()).resolve()
    digest = hashlib.sha256(os.fsencode(directory)).hexdigest()[:24]
    if sys.platform == "win32":
        return f"accessally-desktop-{digest}"
    path = directory / SOCKET_FILE
    if len(os.fsencode(path)) <= MAX_UNIX_SOCKET_PATH:
        return str(path)
    runtime = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return str(Path(runtime) / f"accessally-desktop-{digest}.sock")


def _ours(name: str) -> bool:
    """Whether a listener's socket file belongs to this user: a link carries a password, and another
    user could have made a socket of that name in a shared folder (the temp folder) to catch it."""
    if sys.platform == "win32":
        return True  # the pipe is made with UserAccessOption; there is no owner to read before connecting
    try:
        info = os.lstat(name)
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid()


def hand_off(link: str | None, name: str | None = None) -> bool:
    """A second copy: give the running copy the link (or ask it to come to the front); True once it said
    ok. False when nobody listens (a copy too old to listen, or a lock left behind)."""
    name = name or socket_name()
    if not _ours(name):
        return False
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        log.info("hand-off: nobody listens (%s)", socket.errorString())
        return False
    socket.write(f"{OPEN if link is None else f'{LINK} {link}'}\n".encode("utf-8", "replace")[:MAX_MESSAGE])
    socket.waitForBytesWritten(ANSWER_MS)
    answer = b""
    while b"\n" not in answer and len(answer) < 16 and socket.waitForReadyRead(ANSWER_MS):
        answer += bytes(socket.readAll())
    socket.disconnectFromServer()
    return answer.strip() == OK.encode()


class HandoffServer(QObject):
    """The running copy's listener: each connection's line goes to the inbox (links only if they are the
    app's own; a line too long or too slow is dropped)."""

    def __init__(self, inbox: UrlInbox, name: str | None = None) -> None:
        super().__init__(inbox)
        self.inbox = inbox
        self.name = name or socket_name()
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed copy is removed first (this copy holds the lock)."""
        if not self.server.listen(self.name):
            QLocalServer.removeServer(self.name)
            if not self.server.listen(self.name):
                log.warning("hand-off: cannot listen: %s", self.server.errorString())
                return False
        log.info("hand-off: listening for copies started later")
        return True

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            received = bytearray()
            connection.readyRead.connect(lambda c=connection, r=received: self._read(c, r))
            connection.disconnected.connect(connection.deleteLater)
            QTimer.singleShot(ANSWER_MS, connection, connection.abort)  # a silent or slow caller

    def _read(self, connection: QLocalSocket, received: bytearray) -> None:
        received += bytes(connection.read(MAX_MESSAGE + 1 - len(received)))
        if b"\n" not in received:
            if len(received) > MAX_MESSAGE:
                log.warning("hand-off: dropped an overlong message")
                connection.abort()
            return
        line = bytes(received).split(b"\n", 1)[0].decode("utf-8", "replace").strip()
        command, _, link = line.partition(" ")
        if command == OPEN:
            log.info("hand-off: a second copy asked for the window")
            self.inbox.raise_requested.emit()
        elif command == LINK:
            self.inbox.deliver(link)
        else:
            log.warning("hand-off: dropped a message it does not understand")
        connection.write(f"{OK}\n".encode())
        connection.flush()
        connection.disconnectFromServer()
