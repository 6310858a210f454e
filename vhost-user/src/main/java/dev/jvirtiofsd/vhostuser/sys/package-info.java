/**
 * Every native call of the vhost-user module, behind plain Java signatures: no jnr type leaves
 * this package. Failing calls become an {@link dev.jvirtiofsd.vhostuser.sys.ErrnoException}
 * carrying the errno, or a negative errno on hot paths (eventfd signal/read, epoll wait).
 *
 * <p>Which library does what, and why:
 * <ul>
 *   <li><b>jnr-ffi</b> binds the libc functions themselves ({@code LibC.Functions}): mmap/munmap,
 *       memfd_create, ftruncate, statx, close, fcntl, eventfd, epoll, poll, socket/bind/listen/
 *       accept4/connect/socketpair/shutdown/getsockopt, recvmsg/sendmsg, umask, strerror. Pointer
 *       arguments are {@code long} addresses of native memory we own. One binding style for
 *       everything keeps the native boundary small and reviewable.</li>
 *   <li><b>jffi</b> (jnr-ffi's engine) gives {@code MemoryIO}, our raw loads, stores and copies on
 *       guest memory ({@link dev.jvirtiofsd.vhostuser.sys.NativeMemory}); on HotSpot they are
 *       {@code Unsafe} intrinsics. Ordering comes from {@code VarHandle} fences, never from the
 *       accessors.</li>
 *   <li><b>Not jnr-posix</b> for recvmsg/sendmsg: its {@code MsgHdr} needs direct buffers, loses
 *       fds when reused and byte-swaps control data; laying out {@code struct msghdr} ourselves
 *       avoids all three ({@link dev.jvirtiofsd.vhostuser.sys.MessageSocket}).</li>
 *   <li><b>Not jnr-unixsocket</b>: its channels would own the fds we pass around and cannot wrap
 *       an inherited listening fd.</li>
 *   <li><b>Not Netty</b>: its public epoll API lacks a usable {@code epoll_wait}, its eventfd
 *       read throws on an empty counter, and loading it unpacks a second native library.</li>
 * </ul>
 *
 * <p>Layouts assume 64-bit Linux (x86-64, arm64): {@code struct msghdr}, {@code cmsghdr},
 * {@code iovec}, {@code statx}; {@code epoll_event} is packed on x86-64 only.
 */
package dev.jvirtiofsd.vhostuser.sys;
