# Runs a command in a pseudo-terminal, types a line once the prompt shows, prints everything the terminal showed.
import os, pty, sys, time
args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
out = b''
deadline = time.time() + 20
def read_until(marker):
    global out
    while marker not in out and time.time() < deadline:
        try: out += os.read(fd, 1024)
        except OSError: break
read_until(b'not shown): ')
os.write(fd, os.environ['PTY_TYPE'].encode('utf8'))
while True:
    try:
        data = os.read(fd, 1024)
        if not data: break
        out += data
    except OSError: break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.exit(os.WEXITSTATUS(status))
