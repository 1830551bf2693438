# listener.py - a loopback listener that records every connection, for the
# tests that prove pr-publish fetches nothing (see start_listener in
# test-lib.sh).  It writes its port to ./port and one line per connection
# to ./connections, answers like a web server serving an entity (so that a
# fetch, if one ever happened, would show in the output), and stops when
# the test script is gone or after an hour.
import os, socket, time
os.closerange(3, 1024)  # nothing of the harness: prove waits on its pipes
parent = os.getppid()
deadline = time.time() + 3600  # whatever happens, not longer than this
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
s.settimeout(1)
with open("port.tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename("port.tmp", "port")
while time.time() < deadline:
    try:
        c, addr = s.accept()
    except socket.timeout:
        if os.getppid() != parent:
            break  # the test script is gone
        continue
    with open("connections", "a") as f:
        f.write("connection from %s:%d\n" % addr)
    try:
        c.settimeout(2)
        c.recv(4096)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                  b"<!ENTITY leak \"LEAKED-FROM-LISTENER\">\n")
    except OSError:
        pass
    c.close()
