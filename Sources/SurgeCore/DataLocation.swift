/// Where a backend keeps its data: what a fresh store needs, and what can be measured of it.
public enum DataLocation: Sendable, Hashable {
    /// In the benchmark's own memory; nothing outlives the store.
    case inProcess
    /// In a directory named by the backend's ``BackendOption/path`` option; a temporary one, removed on close, when
    /// none is given.
    case directory
    /// On a server, which the backend starts itself or is pointed at.
    case server
    /// Wherever a driver process SurgeBench starts keeps it (an external store, in any language), given a directory of
    /// its own like ``directory``.
    case driver
}
