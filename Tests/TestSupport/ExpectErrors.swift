import SurgeCore
import Testing

/// Expects `body` to throw a ``StoreError`` of `kind`, and returns it.
@discardableResult
public func expectStoreError<T>(_ kind: StoreError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected a \(kind) error, got success", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Runs `body`, expecting a `BenchmarkError` of kind `.invalidInput` (a name or option the user gave); returns it.
@discardableResult
public func expectInputError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> BenchmarkError? {
    do {
        _ = try body()
        Issue.record("expected an input error, got success", sourceLocation: sourceLocation)
    } catch let error as BenchmarkError {
        #expect(error.kind == .invalidInput, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected BenchmarkError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
