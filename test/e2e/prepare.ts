// Step one of the real-VS-Code suites: Debian packages, the cached harness, a fresh build and .vsix.
import { prepare } from './harness/prepared';

prepare();
