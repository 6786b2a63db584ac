import SurgeCore

/// One cell of the durability matrix: a backend's mode crashed by one kind (a power cut under one model) a number of
/// times, written `backend:mode:kind[/model]:crashes` for `make durability` (`sqlite:full:power/reorder:50`).
public struct DurabilityCell: Sendable, Hashable, CustomStringConvertible {
    public var backend: String
    public var mode: String
    public var kind: CrashKind
    /// The power-cut model (power cells only).
    public var powerModel: PowerCutModel?
    public var crashes: Int

    public var description: String {
        let crash = powerModel.map { $0 == .strict ? kind.rawValue : "\(kind.rawValue)/\($0.rawValue)" } ?? kind.rawValue
        return "\(backend):\(mode):\(crash):\(crashes)"
    }

    /// Every durability mode of every backend in `backends`, crashed by each kind: a process kill and a power cut under
    /// each model, 50 times where the mode promises to keep every acknowledged write, 20 where it may lose recent ones,
    /// 10 where it promises nothing; a failover 20 times, in each mode that can fail over.
    public static func cells(of backends: [BackendDescriptor]) -> [DurabilityCell] {
        backends.flatMap { backend in
            (backend.durability?.modes ?? []).flatMap { mode in
                var cells: [DurabilityCell] = []
                for kind in [CrashKind.process, .power] {
                    let crashes = switch mode.promise.guarantee(against: kind) {
                    case .keepsEverything: 50
                    case .mayLoseRecent: 20
                    case .nothing: 10
                    }
                    for model in kind == .power ? PowerCutModel.allCases.map(Optional.some) : [nil] {
                        cells.append(DurabilityCell(backend: backend.name, mode: mode.name, kind: kind, powerModel: model, crashes: crashes))
                    }
                }
                if backend.failoverOptions?(mode.name) != nil {
                    cells.append(DurabilityCell(backend: backend.name, mode: mode.name, kind: .failover, crashes: 20))
                }
                return cells
            }
        }
    }
}
