import MKApply

/// A host that passes every call to `inner`: tests subclass it and override
/// only the calls they watch or break (a write refused with EBUSY, every
/// mutating operation observed), instead of writing the whole seam again.
open class ForwardingHost: HostIO {
  public let inner: any HostIO

  public init(_ inner: any HostIO) { self.inner = inner }

  open var processID: Int32 { inner.processID }
  open func read(_ path: String) throws(HostIOError) -> String { try inner.read(path) }
  open func readResolvingLinks(_ path: String) throws(HostIOError) -> String {
    try inner.readResolvingLinks(path)
  }
  open func kind(_ path: String) -> HostFileKind { inner.kind(path) }
  open func list(_ path: String) throws(HostIOError) -> [String] { try inner.list(path) }
  open func write(_ path: String, _ value: String) throws(HostIOError) {
    try inner.write(path, value)
  }
  open func makeDirectory(_ path: String) throws(HostIOError) { try inner.makeDirectory(path) }
  open func removeDirectory(_ path: String) throws(HostIOError) {
    try inner.removeDirectory(path)
  }
  open func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
    try inner.replaceAtomically(path, content)
  }
  open func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
    try inner.createExclusive(path, content)
  }
  open func removeFile(_ path: String) throws(HostIOError) { try inner.removeFile(path) }
  open func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    try inner.run(argv, evidence: evidence)
  }
  open func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)? {
    try inner.lock(path, holder: holder)
  }
  open func commandProblem(_ program: String) -> HostIOError? { inner.commandProblem(program) }
}
