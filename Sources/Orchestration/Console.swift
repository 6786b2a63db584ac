import Foundation
import Harness

/// Prints a line unbuffered, so that it stays in order with the progress lines on stderr when both are piped.
public func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Ctrl-C stops the replay; the results written so far are kept and marked incomplete. A second Ctrl-C exits.
public func installInterruptHandler() {
    signal(SIGINT) { _ in
        if replayInterruption.exchange(true, ordering: .relaxed) { _exit(130) }
    }
}
