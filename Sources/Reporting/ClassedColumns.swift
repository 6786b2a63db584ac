import SurgeCore

/// The durability class of each column a table puts side by side, how a header names it, and the warning a table carries
/// when its columns keep different promises: a comparison is like for like only within one class.
struct ClassedColumns {
    /// One column: a backend (or a backend's row label), its class as recorded, whether it is the reference, its mode.
    struct Column {
        var name: String
        var durabilityClass: DurabilityClass?
        /// A store without durability modes (memory): the floor the others are read against, in no class's contest.
        var isReference: Bool
        var mode: String?
    }

    var columns: [Column]

    /// The columns of a run's results, one per backend (the first recorded repetition that ran).
    init(_ groups: [(name: String, results: [ResultsDocument.BackendResult])]) {
        columns = groups.map { group in
            let ran = group.results.first { $0.failure == nil }
            return Column(name: group.name, durabilityClass: ran?.durabilityClass, isReference: ran != nil && ran?.durability == nil,
                          mode: ran?.durability)
        }
    }

    init(_ columns: [Column]) { self.columns = columns }

    /// "power", "reference, none", "class not recorded" (results from before classes were recorded) or "-" (did not run).
    static func label(_ column: Column) -> String {
        if column.isReference { return "reference, none" }
        if let durabilityClass = column.durabilityClass { return durabilityClass.rawValue }
        return column.mode == nil ? "-" : "class not recorded"
    }

    /// "sqlite (power)": a header that names the column's class.
    static func header(_ column: Column) -> String { "\(column.name) (\(label(column)))" }

    /// The headers of every column.
    var headers: [String] { columns.map(Self.header) }

    /// The one class every competing column keeps, when they keep one (references aside).
    var commonClass: DurabilityClass? {
        let classes = Set(columns.filter { !$0.isReference }.compactMap(\.durabilityClass))
        return classes.count == 1 && competitors.allSatisfy({ $0.durabilityClass != nil }) ? classes.first : nil
    }

    private var competitors: [Column] { columns.filter { !$0.isReference && $0.mode != nil } }

    /// The line above a table whose competing columns keep different promises (or whose classes were not recorded);
    /// nil when they keep one class.
    var warning: String? {
        let competitors = competitors
        guard competitors.count > 1 else { return nil }
        if competitors.contains(where: { $0.durabilityClass == nil }) {
            return "**Durability classes not recorded** (results of an older SurgeBench): whether these columns keep the same "
                + "promise is unknown; their modes: " + competitors.map { "\($0.name) \($0.mode ?? "-")" }.joined(separator: ", ") + "."
        }
        guard commonClass == nil else { return nil }
        return "**Mixed durability classes:** " + competitors.map { "\($0.name) \($0.durabilityClass!.rawValue)" }.joined(separator: ", ")
            + ". These columns keep different promises, so their differences include the price of the stronger one; compare "
            + "within one class (`--durability CLASS`, see `surgebench backends`)."
    }

    /// Whether the column at `index` may be put in a ratio with the column at `other`: both in one recorded class, or
    /// both references.
    func comparable(_ index: Int, _ other: Int) -> Bool {
        let (a, b) = (columns[index], columns[other])
        if a.isReference || b.isReference { return a.isReference && b.isReference }
        return a.durabilityClass != nil && a.durabilityClass == b.durabilityClass
    }
}
