import Foundation

/// libFuzzer's driver, entered from a target's `main.swift` (SwiftPM names every executable's entry point itself, so
/// the targets cannot rely on libFuzzer's own `main`).
public enum FuzzDriver {
    /// One fuzz input: the bytes (nil when empty) and their count; returns 0.
    public typealias Input = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer with the process's arguments on `input`; returns its exit status.
    public static func run(_ input: Input) -> CInt {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv, input)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                 _ input: FuzzDriver.Input) -> CInt
