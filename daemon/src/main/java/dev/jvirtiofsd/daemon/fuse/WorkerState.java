package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.OpenResult;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.daemon.fs.SetAttrRequest;
import dev.jvirtiofsd.daemon.fs.StatFs;
import dev.jvirtiofsd.protocol.AccessIn;
import dev.jvirtiofsd.protocol.BatchForgetIn;
import dev.jvirtiofsd.protocol.CreateIn;
import dev.jvirtiofsd.protocol.FallocateIn;
import dev.jvirtiofsd.protocol.FlushIn;
import dev.jvirtiofsd.protocol.ForgetIn;
import dev.jvirtiofsd.protocol.ForgetOne;
import dev.jvirtiofsd.protocol.FsyncIn;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.GetxattrIn;
import dev.jvirtiofsd.protocol.InitIn;
import dev.jvirtiofsd.protocol.InitOut;
import dev.jvirtiofsd.protocol.LinkIn;
import dev.jvirtiofsd.protocol.LseekIn;
import dev.jvirtiofsd.protocol.MkdirIn;
import dev.jvirtiofsd.protocol.MknodIn;
import dev.jvirtiofsd.protocol.OpenIn;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.ReleaseIn;
import dev.jvirtiofsd.protocol.Rename2In;
import dev.jvirtiofsd.protocol.RenameIn;
import dev.jvirtiofsd.protocol.SetattrIn;
import dev.jvirtiofsd.protocol.SetxattrIn;
import dev.jvirtiofsd.protocol.WriteIn;
import java.util.Set;

/**
 * Everything a worker thread reuses from one request to the next, so that serving a request
 * (READ and WRITE above all) allocates nothing: buffers, decoders, the file system's answer
 * carriers. Lives in a ThreadLocal of its {@link FuseServer}.
 */
final class WorkerState {
    /** PATH_MAX: the longest symlink target. */
    static final int LINK_TARGET_BYTES = 4096;
    /** XATTR_SIZE_MAX and XATTR_LIST_MAX: the largest value or name list Linux has. */
    static final int XATTR_BYTES = 65536;

    final Exchange exchange;
    final ChainMemory chainMemory;
    final DirentPacker direntPacker = new DirentPacker();
    final DirentPlusPacker direntPlusPacker;

    final RequestContext ctx = new RequestContext();
    final Entry entry = new Entry();
    final Attr attr = new Attr();
    final OpenResult open = new OpenResult();
    final SetAttrRequest setAttr = new SetAttrRequest();
    final StatFs statFs = new StatFs();
    final byte[] linkTarget = new byte[LINK_TARGET_BYTES];
    private byte[] xattrBuffer;

    final InitIn initIn = new InitIn();
    final InitOut initOut = new InitOut();
    final ForgetIn forgetIn = new ForgetIn();
    final BatchForgetIn batchForgetIn = new BatchForgetIn();
    final ForgetOne forgetOne = new ForgetOne();
    final GetattrIn getattrIn = new GetattrIn();
    final SetattrIn setattrIn = new SetattrIn();
    final MknodIn mknodIn = new MknodIn();
    final MkdirIn mkdirIn = new MkdirIn();
    final RenameIn renameIn = new RenameIn();
    final Rename2In rename2In = new Rename2In();
    final LinkIn linkIn = new LinkIn();
    final OpenIn openIn = new OpenIn();
    final CreateIn createIn = new CreateIn();
    final ReadIn readIn = new ReadIn();
    final WriteIn writeIn = new WriteIn();
    final ReleaseIn releaseIn = new ReleaseIn();
    final FlushIn flushIn = new FlushIn();
    final FsyncIn fsyncIn = new FsyncIn();
    final SetxattrIn setxattrIn = new SetxattrIn();
    final GetxattrIn getxattrIn = new GetxattrIn();
    final AccessIn accessIn = new AccessIn();
    final FallocateIn fallocateIn = new FallocateIn();
    final LseekIn lseekIn = new LseekIn();

    WorkerState(FileSystem fs, MalformedRequestLog log, Set<ChainMemory> withNativeMemory) {
        exchange = new Exchange(log);
        chainMemory = new ChainMemory(withNativeMemory);
        direntPlusPacker = new DirentPlusPacker(fs);
    }

    /** The entry carrier, emptied for the next answer. */
    Entry clearedEntry() {
        entry.clear();
        return entry;
    }

    /** Room for the largest extended attribute value or name list, made on first use. */
    byte[] xattrBuffer() {
        if (xattrBuffer == null) {
            xattrBuffer = new byte[XATTR_BYTES];
        }
        return xattrBuffer;
    }
}
