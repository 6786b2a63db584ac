import SurgeCore

/// The class a backend's durability mode is declared in, looked up by their names (the catalog's answer); nil when the
/// backend or the mode is not declared any more.
public typealias DurabilityClassLookup = (_ backend: String, _ mode: String) -> DurabilityClass?

/// Results written before durability classes were recorded name each store's mode but not its class: these fill the
/// class in from the mode's declaration, so that old and new files are read by one rule. A class that was recorded is
/// never replaced.
extension ResultsDocument {
    /// Fills in each backend's class from its recorded mode where none was recorded.
    public mutating func fillUnrecordedClasses(_ lookup: DurabilityClassLookup) {
        for index in backends.indices where backends[index].durabilityClass == nil && backends[index].failure == nil {
            backends[index].durabilityClass = backends[index].durability.map { lookup(backends[index].backend, $0) } ?? DurabilityClass.none
        }
    }
}

extension ResultsReport {
    /// Fills in the class of every run, capacity search, growth point and crash cell that did not record one.
    public mutating func fillUnrecordedClasses(_ lookup: DurabilityClassLookup) {
        for index in runs.indices { runs[index].document.fillUnrecordedClasses(lookup) }
        for index in capacities.indices where capacities[index].durabilityClass == nil {
            capacities[index].durabilityClass = capacities[index].durability.map { lookup(capacities[index].backend, $0) } ?? DurabilityClass.none
        }
        for growth in growths.indices {
            for index in growths[growth].points.indices where growths[growth].points[index].durabilityClass == nil {
                let point = growths[growth].points[index]
                growths[growth].points[index].durabilityClass = point.durability.map { lookup(point.backend, $0) } ?? DurabilityClass.none
            }
        }
        for index in crashes.indices where crashes[index].durabilityClass == nil {
            crashes[index].durabilityClass = lookup(crashes[index].backend, crashes[index].mode)
        }
    }
}
