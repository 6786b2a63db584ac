/// A store whose engine can check its own files for corruption (SQLite's `PRAGMA integrity_check`, a walk of every
/// LMDB sub-database), beyond what reading everything back through the protocol shows. Used after crashes.
public protocol IntegrityChecking: Sendable {
    /// What the engine found wrong, in its words; empty when the store is sound. Throws when it cannot check at all.
    func checkEngineIntegrity() throws(StoreError) -> [String]
}
