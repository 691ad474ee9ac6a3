export { createLocalEngine, DEFAULT_FONT_FILE, LOCAL_ENGINE_NAME, type LocalEngineOptions, OUTPUT_FILES, validateRenderRequest } from './local-engine.js';
