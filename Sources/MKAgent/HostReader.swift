import MKApply

/// The agent's only access to the host while it measures: reads, nothing else.
///
/// Measuring must never change the host, so the signal reader gets this
/// narrow view rather than `HostIO`; writes happen only through the journaled
/// apply (`Applier`).
public protocol HostReader {
  /// The file's content; `ENOENT` when it does not exist.
  func read(_ path: String) throws(HostIOError) -> String
}

/// A `HostIO` seen through `HostReader`: the real host, a rooted tree, or
/// the in-memory host of the tests.
public struct ReadOnlyHost: HostReader {
  let host: any HostIO
  public init(_ host: any HostIO) { self.host = host }
  public func read(_ path: String) throws(HostIOError) -> String { try host.read(path) }
}
