/// The order in which a window's operations enter the trace: by intended time, then community buffer, then place in
/// the buffer (each buffer holds one community's operations of the window, in time order).
///
/// A stable counting sort by a coarse slice of time (about one slice per operation), then an insertion sort that
/// only moves operations within their slice: linear in the window's operations, where a comparison sort would merge
/// the communities' runs in as many passes as the logarithm of their number. The arrays are kept between windows.
struct WindowOrder {
    /// Where an operation is: `buffers[buffer][index]`.
    struct Place {
        var time: UInt64
        var buffer: UInt32
        var index: UInt32
    }

    /// The window's operations in trace order, after ``sort(_:windowStart:windowLength:)``.
    private(set) var places: [Place] = []
    private var sliceStarts: [Int] = []

    /// Orders the operations of `buffers`, whose intended times lie in windowStart..<windowStart + windowLength.
    mutating func sort(_ buffers: [[PlannedOperation]], windowStart: UInt64, windowLength: UInt64) {
        let total = buffers.reduce(0) { $0 + $1.count }
        let shift = max(0, (UInt64.bitWidth - windowLength.leadingZeroBitCount) - (Int.bitWidth - total.leadingZeroBitCount))
        let lastSlice = Int(windowLength >> UInt64(shift))
        // Any time maps to a slice, never a smaller one for a later time, so the order below holds whatever the times.
        func slice(_ time: UInt64) -> Int { min(Int((max(time, windowStart) - windowStart) >> UInt64(shift)), lastSlice) }
        sliceStarts.removeAll(keepingCapacity: true)
        sliceStarts.append(contentsOf: repeatElement(0, count: lastSlice + 2))
        for operations in buffers {
            for operation in operations { sliceStarts[slice(operation.intendedNanos) + 1] += 1 }
        }
        for index in sliceStarts.indices.dropFirst() { sliceStarts[index] += sliceStarts[index - 1] }
        places.removeAll(keepingCapacity: true)
        places.append(contentsOf: repeatElement(Place(time: 0, buffer: 0, index: 0), count: total))
        places.withUnsafeMutableBufferPointer { places in
            for (buffer, operations) in buffers.enumerated() {
                for (index, operation) in operations.enumerated() {
                    let slice = slice(operation.intendedNanos)
                    places[sliceStarts[slice]] = Place(time: operation.intendedNanos, buffer: UInt32(buffer), index: UInt32(index))
                    sliceStarts[slice] += 1
                }
            }
            // Within a slice the places are in (buffer, index) order; ordering them by time, stably, completes the order.
            for position in places.indices.dropFirst() {
                let place = places[position]
                var hole = position
                while hole > 0, places[hole - 1].time > place.time {
                    places[hole] = places[hole - 1]
                    hole -= 1
                }
                places[hole] = place
            }
        }
    }
}
