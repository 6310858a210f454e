package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * syscall(2) in the three shapes {@link ThreadIdentity} needs. The identity calls go through the
 * raw syscall on purpose: glibc's setresuid, setresgid and setgroups wrappers change every thread
 * of the process, the raw syscalls only the calling one. No shape has more than four arguments
 * (jnr-ffi bug #181 concerns six).
 */
@SaveError
public interface IdentityLibC {
    /** setresuid, setresgid, prctl, unshare, geteuid, getegid. */
    long syscall(long number, long a1, long a2, long a3);

    /** setgroups, getgroups. */
    long syscall(long number, long count, Pointer list);

    /** capget, capset. */
    long syscall(long number, Pointer header, Pointer data);
}
