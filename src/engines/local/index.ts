export { createLocalEngine, validateRenderRequest, LOCAL_ENGINE_NAME, DEFAULT_FONT_FILE, OUTPUT_FILES, type LocalEngineOptions } from './local-engine.js';
