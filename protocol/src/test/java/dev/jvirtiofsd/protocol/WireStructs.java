package dev.jvirtiofsd.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/** Each of our struct classes and the kernel struct it mirrors. */
final class WireStructs {
    static final Map<Class<?>, String> KERNEL_NAMES = new LinkedHashMap<>();

    static {
        KERNEL_NAMES.put(InHeader.class, "fuse_in_header");
        KERNEL_NAMES.put(OutHeader.class, "fuse_out_header");
        KERNEL_NAMES.put(InitIn.class, "fuse_init_in");
        KERNEL_NAMES.put(InitOut.class, "fuse_init_out");
        KERNEL_NAMES.put(FuseAttr.class, "fuse_attr");
        KERNEL_NAMES.put(EntryOut.class, "fuse_entry_out");
        KERNEL_NAMES.put(AttrOut.class, "fuse_attr_out");
        KERNEL_NAMES.put(GetattrIn.class, "fuse_getattr_in");
        KERNEL_NAMES.put(SetattrIn.class, "fuse_setattr_in");
        KERNEL_NAMES.put(OpenIn.class, "fuse_open_in");
        KERNEL_NAMES.put(OpenOut.class, "fuse_open_out");
        KERNEL_NAMES.put(CreateIn.class, "fuse_create_in");
        KERNEL_NAMES.put(ReadIn.class, "fuse_read_in");
        KERNEL_NAMES.put(WriteIn.class, "fuse_write_in");
        KERNEL_NAMES.put(WriteOut.class, "fuse_write_out");
        KERNEL_NAMES.put(ReleaseIn.class, "fuse_release_in");
        KERNEL_NAMES.put(FlushIn.class, "fuse_flush_in");
        KERNEL_NAMES.put(FsyncIn.class, "fuse_fsync_in");
        KERNEL_NAMES.put(MknodIn.class, "fuse_mknod_in");
        KERNEL_NAMES.put(MkdirIn.class, "fuse_mkdir_in");
        KERNEL_NAMES.put(RenameIn.class, "fuse_rename_in");
        KERNEL_NAMES.put(Rename2In.class, "fuse_rename2_in");
        KERNEL_NAMES.put(LinkIn.class, "fuse_link_in");
        KERNEL_NAMES.put(SetxattrIn.class, "fuse_setxattr_in");
        KERNEL_NAMES.put(GetxattrIn.class, "fuse_getxattr_in");
        KERNEL_NAMES.put(GetxattrOut.class, "fuse_getxattr_out");
        KERNEL_NAMES.put(AccessIn.class, "fuse_access_in");
        KERNEL_NAMES.put(Kstatfs.class, "fuse_kstatfs");
        KERNEL_NAMES.put(ForgetIn.class, "fuse_forget_in");
        KERNEL_NAMES.put(BatchForgetIn.class, "fuse_batch_forget_in");
        KERNEL_NAMES.put(ForgetOne.class, "fuse_forget_one");
        KERNEL_NAMES.put(InterruptIn.class, "fuse_interrupt_in");
        KERNEL_NAMES.put(FileLock.class, "fuse_file_lock");
        KERNEL_NAMES.put(LkIn.class, "fuse_lk_in");
        KERNEL_NAMES.put(LkOut.class, "fuse_lk_out");
        KERNEL_NAMES.put(FallocateIn.class, "fuse_fallocate_in");
        KERNEL_NAMES.put(LseekIn.class, "fuse_lseek_in");
        KERNEL_NAMES.put(LseekOut.class, "fuse_lseek_out");
        KERNEL_NAMES.put(SyncfsIn.class, "fuse_syncfs_in");
        KERNEL_NAMES.put(CopyFileRangeIn.class, "fuse_copy_file_range_in");
        KERNEL_NAMES.put(IoctlIn.class, "fuse_ioctl_in");
        KERNEL_NAMES.put(IoctlOut.class, "fuse_ioctl_out");
        KERNEL_NAMES.put(Dirent.class, "fuse_dirent");
        KERNEL_NAMES.put(DirentPlus.class, "fuse_direntplus");
    }

    /** Padding members carry no value and have no constant or holder field of ours. */
    static boolean isPadding(String kernelField) {
        return kernelField.matches("padding|unused\\d*|dummy\\d*|spare");
    }

    /** total_extlen -> totalExtlen: the holder field that carries a kernel member. */
    static String javaFieldName(String kernelField) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : kernelField.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    private WireStructs() {
    }
}
