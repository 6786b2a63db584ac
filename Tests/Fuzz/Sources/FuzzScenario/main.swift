import Foundation
import FuzzSupport

exit(FuzzDriver.run(fuzzScenario))
