#if canImport(Glibc)
  import Glibc
#endif

/// errno names as the kernel headers spell them, for messages people search for.
public enum Errno {
  public static func name(_ code: Int32) -> String {
    switch code {
    case EPERM: "EPERM"
    case ENOENT: "ENOENT"
    case ESRCH: "ESRCH"
    case EINTR: "EINTR"
    case EIO: "EIO"
    case ENXIO: "ENXIO"
    case E2BIG: "E2BIG"
    case EBADF: "EBADF"
    case EAGAIN: "EAGAIN"
    case ENOMEM: "ENOMEM"
    case EACCES: "EACCES"
    case EBUSY: "EBUSY"
    case EEXIST: "EEXIST"
    case EXDEV: "EXDEV"
    case ENODEV: "ENODEV"
    case ENOTDIR: "ENOTDIR"
    case EISDIR: "EISDIR"
    case EINVAL: "EINVAL"
    case ENFILE: "ENFILE"
    case EMFILE: "EMFILE"
    case EFBIG: "EFBIG"
    case ENOSPC: "ENOSPC"
    case EROFS: "EROFS"
    case ERANGE: "ERANGE"
    case ENAMETOOLONG: "ENAMETOOLONG"
    case ENOTEMPTY: "ENOTEMPTY"
    case ELOOP: "ELOOP"
    case EOPNOTSUPP: "EOPNOTSUPP"
    case ECHILD: "ECHILD"
    default: "errno \(code)"
    }
  }

  public static func message(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
  }
}
