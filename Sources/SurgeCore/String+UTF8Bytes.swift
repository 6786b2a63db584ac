extension String {
    /// Calls `body` with the string's UTF-8 bytes, without copying them when the string is stored natively (as the
    /// strings SurgeBench makes are).
    public func withUTF8Bytes<Result, Failure>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        var text = self
        var outcome: Swift.Result<Result, Failure>?
        text.withUTF8 { bytes in
            outcome = Swift.Result { () throws(Failure) -> Result in try body(UnsafeRawBufferPointer(bytes)) }
        }
        return try outcome!.get()
    }
}
