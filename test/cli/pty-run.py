# Runs a command in a pseudo-terminal of the given width and prints everything the terminal showed.
import fcntl, os, pty, struct, sys, termios
cols = int(sys.argv[1])
args = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    # The child waits for the parent to size the terminal before it looks at it.
    os.read(0, 1)
    os.execvp(args[0], args)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 50, cols, 0, 0))
os.write(fd, b'\n')
out = b''
while True:
    try:
        data = os.read(fd, 4096)
        if not data: break
        out += data
    except OSError: break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace').replace('\r', ''))
sys.exit(os.WEXITSTATUS(status))
