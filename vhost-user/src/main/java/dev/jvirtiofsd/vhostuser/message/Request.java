package dev.jvirtiofsd.vhostuser.message;

/**
 * Frontend-to-backend request codes of the vhost-user protocol (docs/interop/vhost-user.rst in
 * QEMU), with the payload size each one carries.
 */
public final class Request {
    public static final int GET_FEATURES = 1;
    public static final int SET_FEATURES = 2;
    public static final int SET_OWNER = 3;
    public static final int RESET_OWNER = 4;
    public static final int SET_MEM_TABLE = 5;
    public static final int SET_LOG_BASE = 6;
    public static final int SET_LOG_FD = 7;
    public static final int SET_VRING_NUM = 8;
    public static final int SET_VRING_ADDR = 9;
    public static final int SET_VRING_BASE = 10;
    public static final int GET_VRING_BASE = 11;
    public static final int SET_VRING_KICK = 12;
    public static final int SET_VRING_CALL = 13;
    public static final int SET_VRING_ERR = 14;
    public static final int GET_PROTOCOL_FEATURES = 15;
    public static final int SET_PROTOCOL_FEATURES = 16;
    public static final int GET_QUEUE_NUM = 17;
    public static final int SET_VRING_ENABLE = 18;
    public static final int SEND_RARP = 19;
    public static final int NET_SET_MTU = 20;
    public static final int SET_BACKEND_REQ_FD = 21;
    public static final int IOTLB_MSG = 22;
    public static final int SET_VRING_ENDIAN = 23;
    public static final int GET_CONFIG = 24;
    public static final int SET_CONFIG = 25;
    public static final int RESET_DEVICE = 34;
    public static final int GET_MAX_MEM_SLOTS = 36;
    public static final int ADD_MEM_REG = 37;
    public static final int REM_MEM_REG = 38;
    public static final int SET_STATUS = 39;
    public static final int GET_STATUS = 40;

    /** Marks a request whose payload size depends on its content. */
    public static final int VARIABLE_SIZE = -1;
    /** Marks a request this backend does not know. */
    public static final int UNKNOWN = -2;

    private Request() {
    }

    /**
     * The exact payload size of {@code request}, {@link #VARIABLE_SIZE} for SET_MEM_TABLE,
     * GET_CONFIG and SET_CONFIG (checked against their content), {@link #UNKNOWN} for requests
     * this backend does not handle.
     */
    public static int payloadSize(int request) {
        switch (request) {
            case GET_FEATURES:
            case SET_OWNER:
            case RESET_OWNER:
            case GET_PROTOCOL_FEATURES:
            case GET_QUEUE_NUM:
            case SET_BACKEND_REQ_FD:
            case RESET_DEVICE:
            case GET_MAX_MEM_SLOTS:
                return 0;
            case SET_FEATURES:
            case SET_PROTOCOL_FEATURES:
            case SET_VRING_KICK:
            case SET_VRING_CALL:
            case SET_VRING_ERR:
                return Payload.U64_SIZE;
            case SET_VRING_NUM:
            case SET_VRING_BASE:
            case GET_VRING_BASE:
            case SET_VRING_ENABLE:
                return Payload.VRING_STATE_SIZE;
            case SET_VRING_ADDR:
                return Payload.VRING_ADDRESS_SIZE;
            case ADD_MEM_REG:
            case REM_MEM_REG:
                return Payload.MEMORY_REGION_MESSAGE_SIZE;
            case SET_MEM_TABLE:
            case GET_CONFIG:
            case SET_CONFIG:
                return VARIABLE_SIZE;
            default:
                return UNKNOWN;
        }
    }

    /** True for the requests that always get a reply, whatever the flags say. */
    public static boolean hasReply(int request) {
        switch (request) {
            case GET_FEATURES:
            case GET_PROTOCOL_FEATURES:
            case GET_QUEUE_NUM:
            case GET_VRING_BASE:
            case GET_CONFIG:
            case GET_MAX_MEM_SLOTS:
                return true;
            default:
                return false;
        }
    }

    /** The request's name for log lines. */
    public static String name(int request) {
        switch (request) {
            case GET_FEATURES: return "GET_FEATURES";
            case SET_FEATURES: return "SET_FEATURES";
            case SET_OWNER: return "SET_OWNER";
            case RESET_OWNER: return "RESET_OWNER";
            case SET_MEM_TABLE: return "SET_MEM_TABLE";
            case SET_LOG_BASE: return "SET_LOG_BASE";
            case SET_LOG_FD: return "SET_LOG_FD";
            case SET_VRING_NUM: return "SET_VRING_NUM";
            case SET_VRING_ADDR: return "SET_VRING_ADDR";
            case SET_VRING_BASE: return "SET_VRING_BASE";
            case GET_VRING_BASE: return "GET_VRING_BASE";
            case SET_VRING_KICK: return "SET_VRING_KICK";
            case SET_VRING_CALL: return "SET_VRING_CALL";
            case SET_VRING_ERR: return "SET_VRING_ERR";
            case GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM: return "GET_QUEUE_NUM";
            case SET_VRING_ENABLE: return "SET_VRING_ENABLE";
            case SEND_RARP: return "SEND_RARP";
            case NET_SET_MTU: return "NET_SET_MTU";
            case SET_BACKEND_REQ_FD: return "SET_BACKEND_REQ_FD";
            case IOTLB_MSG: return "IOTLB_MSG";
            case SET_VRING_ENDIAN: return "SET_VRING_ENDIAN";
            case GET_CONFIG: return "GET_CONFIG";
            case SET_CONFIG: return "SET_CONFIG";
            case RESET_DEVICE: return "RESET_DEVICE";
            case GET_MAX_MEM_SLOTS: return "GET_MAX_MEM_SLOTS";
            case ADD_MEM_REG: return "ADD_MEM_REG";
            case REM_MEM_REG: return "REM_MEM_REG";
            case SET_STATUS: return "SET_STATUS";
            case GET_STATUS: return "GET_STATUS";
            default: return "request " + request;
        }
    }
}
