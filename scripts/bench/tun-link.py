#!/usr/bin/env python3
# The WAN bench's wire (--shaper tun, root only): two TUN devices, tunA and tunB, and this loop
# between them, which hands every IP packet from one to the other one-way-delay (RTT / 2) after
# it read it. Latency the way netem adds it, in user space, since this kernel has no netem: both
# ends' TCP stacks see the real round-trip time (handshake, slow start, window growth, the
# windows a long fat path needs) - unlike a TCP proxy, which splits the connection in two.
# The rate is tc tbf on each device (its egress is what this loop reads), set by wan-net.mjs,
# which also moves tunB into the server namespace (the open descriptor stays valid).
# With IFF_VNET_HDR and TSO offload each read is a GSO super-packet of up to 64 KiB that the
# receiving kernel takes as is: TCP keeps its 1448-byte MSS, but this loop moves 40x fewer packets.
# Python because opening a TUN device takes an ioctl that Node cannot make.
# Protocol: prints "ready" once both devices exist; reads "delay <ms>" lines on stdin; ends when
# stdin closes. Written for the bench, not for production: one thread, select(), FIFO queues.
import collections
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
TUNSETOFFLOAD = 0x400454D0
IFF_TUN, IFF_NO_PI, IFF_VNET_HDR = 0x0001, 0x1000, 0x4000
TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6 = 0x01, 0x02, 0x04


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI | IFF_VNET_HDR))
    fcntl.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)
    return fd


def main():
    a, b = open_tun(sys.argv[1] if len(sys.argv) > 1 else 'tunA'), open_tun(sys.argv[2] if len(sys.argv) > 2 else 'tunB')
    peer = {a: b, b: a}
    queues = {a: collections.deque(), b: collections.deque()}  # packets read from fd, waiting
    delay = 0.0
    moved = {a: 0, b: 0}
    stdin = sys.stdin.fileno()
    print('ready', flush=True)
    line = b''
    while True:
        now = time.monotonic()
        heads = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(heads) - now) if heads else None
        readable, _, _ = select.select([a, b, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    print(f'moved {moved[a]} bytes A->B, {moved[b]} B->A', file=sys.stderr, flush=True)
                    return
                line += chunk
                while b'\n' in line:
                    cmd, line = line.split(b'\n', 1)
                    parts = cmd.decode().split()
                    if len(parts) == 2 and parts[0] == 'delay':
                        delay = float(parts[1]) / 1000
                        print(f'delay {parts[1]}', flush=True)
                continue
            q = queues[fd]
            # Drain what the kernel has queued, up to a bound so the other direction is not starved.
            for _ in range(256):
                try:
                    pkt = os.read(fd, 65536 + 64)
                except BlockingIOError:
                    break
                q.append((now + delay, pkt))
        for fd, q in queues.items():
            out = peer[fd]
            while q and q[0][0] <= now:
                pkt = q.popleft()[1]
                try:
                    os.write(out, pkt)
                    moved[fd] += len(pkt)
                except OSError:
                    pass  # the receiving side is full (EAGAIN) or not up yet (EIO): a drop, as on a wire


if __name__ == '__main__':
    main()
