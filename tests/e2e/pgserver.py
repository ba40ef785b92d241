"""A private, throwaway PostgreSQL server for tests and benchmarks.

    pg = PGServer()          # initdb into a temp folder, start on a free
                             # loopback port; raise Unavailable if the
                             # server binaries are not installed
    pg.conninfo              # "host=127.0.0.1 port=... user=... dbname=..."
    pg.sql("SELECT 1")       # rows as lists of strings (psql -At)
    pg.stop(); pg.start()    # the server goes away and comes back
    pg.destroy()

PostgreSQL refuses to run as root: when the tests run as root, the server
runs as the `postgres` user (runuser), in a folder that user owns.
Standard library only.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


class Unavailable(Exception):
    pass


def _bindir():
    for name in ("initdb", "pg_ctl", "postgres"):
        p = shutil.which(name)
        if p:
            d = os.path.dirname(os.path.realpath(p))
            if all(os.access(os.path.join(d, n), os.X_OK) for n in ("initdb", "pg_ctl", "postgres")):
                return d
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    return None


def available():
    """Why the server cannot run here, or None when it can."""
    if not _bindir():
        return "PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed"
    if not shutil.which("psql"):
        return "psql is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
    return None


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PGServer:
    def __init__(self):
        why = available()
        if why:
            raise Unavailable(why)
        self.bindir = _bindir()
        self.root = tempfile.mkdtemp(prefix="newsdesk-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o755)
        self._run(["initdb", "-D", self.data, "-A", "trust", "-U", self.user,
                   "-E", "UTF8", "--no-sync", "--locale=C"])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.root}'\n"
                    "fsync = on\nmax_connections = 20\nshared_buffers = 16MB\n")
        self.conninfo = (f"host=127.0.0.1 port={self.port} user={self.user} "
                         "dbname=postgres connect_timeout=2")
        self.start()

    def _run(self, args, check=True):
        cmd = [os.path.join(self.bindir, args[0])] + args[1:]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stdout}{r.stderr}")
        return r

    def start(self):
        self._run(["pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"),
                   "-w", "-t", "60", "start"])

    def stop(self, mode="fast"):
        self._run(["pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"], check=False)

    def sql(self, query):
        r = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            self.conninfo, "-c", query],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines()]

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
