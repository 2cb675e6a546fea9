/** `lq.io`: file-system saving and loading (crash-safe), and loading of Python Keras files. */
export {
  AtomicWriteError,
  FileSystemHandler,
  fileSystem,
  kerasCompat,
  registerFileSystemRouter,
  translateKerasTopology,
  writeFileAtomic,
  writeModelFolder,
} from "../io/index.js";
export type * from "../io/index.js";
