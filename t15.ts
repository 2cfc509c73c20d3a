import { writeModules } from "./packaging";
import { config } from "./__tests__/support/configs";
writeModules("/tmp/m15", config());
