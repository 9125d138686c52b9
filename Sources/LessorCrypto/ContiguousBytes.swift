/// Runs `body` over the bytes of `bytes`, without copying when the collection is already
/// contiguous (arrays, slices, native strings' UTF-8). The buffer's base address is never nil,
/// even when empty, because some C functions treat a null pointer as "no argument".
func withContiguousBytes<C: Collection<UInt8>, R, E: Error>(
    _ bytes: C, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
) throws(E) -> R {
    let direct: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(E) -> R in try callWithBase(buffer, body) }
    }
    if let direct { return try direct.get() }
    let copy = Array(bytes)
    let copied: Result<R, E> = copy.withUnsafeBufferPointer { buffer in
        Result { () throws(E) -> R in try callWithBase(buffer, body) }
    }
    return try copied.get()
}

private func callWithBase<R, E: Error>(
    _ buffer: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
) throws(E) -> R {
    if buffer.baseAddress != nil { return try body(buffer) }
    let result: Result<R, E> = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
        Result { () throws(E) -> R in try body(UnsafeBufferPointer(start: scratch.baseAddress, count: 0)) }
    }
    return try result.get()
}
