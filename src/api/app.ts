import { createHash } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { BlobLoader, BlobStore } from '../blobs/ports.js';
import type { CharacterService } from '../characters/character-service.js';
import type { KeyService } from '../keys/key-service.js';
import { authHook } from './auth.js';
import { answerConnectionError } from './connection-errors.js';
import { frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { type ConnectionSettings, ignoreUnknownExpectations, installUrlLengthLimit, limitConnections, ROUTER_OPTIONS, serverOptions } from './http-server.js';
import { installJsonBodyParser } from './json-body.js';
import { metricsRoutes } from './metrics.js';
import type { MetricsAccessSettings } from './metrics-access.js';
import { removeUploadsAfterEachRequest } from './multipart-body.js';
import { characterRoutes } from './routes/characters.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes, type ReadinessChecks } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { profileRoutes } from './routes/profile.js';
import { sdkCharacterRoutes } from './routes/sdk-characters.js';
import { type VideoRouteDeps, videoRoutes } from './routes/videos.js';
import { installSecurityHeaders, SECURITY_HEADERS } from './security-headers.js';

export interface AppDeps {
  characters: CharacterService;
  keys: KeyService;
  blobs: BlobStore & Partial<BlobLoader>;
  signingSecret: string;
  /** The origin of the media URLs handed out: PUBLIC_URL's (the default) or the bucket's with FILE_URLS=presigned. */
  mediaOrigin?: string;
  readiness: ReadinessChecks;
  queueDepth: () => Promise<number>;
  /** The work metrics (characters, jobs, queue latency) merged into /metrics. */
  workMetrics?: Registry;
  settings: ConnectionSettings &
    MetricsAccessSettings & {
      publicUrl: string;
      maxBodyBytes: number;
      rateLimitPerMinute: number | null;
      profilePages: 'all' | 'public' | 'off';
      logLevel: string;
    };
  /** Video tasks in the OpenAI Videos API shape. */
  videos: Omit<VideoRouteDeps, 'blobs'>;
  logger?: boolean | object;
}

/** The HTTP face of the service: routes call services, nothing else. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const isInstance = typeof (deps.logger as { child?: unknown } | undefined)?.child === 'function';
  const app = Fastify({
    ...(isInstance ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: deps.logger ?? { level: deps.settings.logLevel } }),
    bodyLimit: deps.settings.maxBodyBytes,
    // One log line per request is noise at info level and costs the read paths; debug brings it back.
    logController: new LogController({ disableRequestLogging: deps.settings.logLevel !== 'debug' && deps.settings.logLevel !== 'trace' }),
    trustProxy: true,
    routerOptions: ROUTER_OPTIONS,
    clientErrorHandler: answerConnectionError,
    frameworkErrors: frameworkErrorHandler(SECURITY_HEADERS),
    ...serverOptions(deps.settings),
  });
  ignoreUnknownExpectations(app);
  limitConnections(app, deps.settings);
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; answers are serialized as they are, without a second validation pass.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app);
  installSecurityHeaders(app);
  installUrlLengthLimit(app);
  removeUploadsAfterEachRequest(app);
  // JSON (and multipart where a route registers it) only: other bodies answer 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sora-characters',
        version: '0.1.0',
        description: 'Self-hosted Sora characters API: characters from video windows, video tasks in the OpenAI Videos API shape.',
      },
      servers: [{ url: deps.settings.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { tags: ['operations'], summary: 'This OpenAPI 3.1 document', security: [] } }, async () => app.swagger());

  // Hooks must reach every route: registered without encapsulation.
  await metricsRoutes({ queueDepth: deps.queueDepth, access: deps.settings, work: deps.workMetrics })(app);
  await app.register(healthRoutes(deps.readiness));
  await app.register(profileRoutes(deps.characters, deps.settings.profilePages, deps.mediaOrigin ?? new URL(deps.settings.publicUrl).origin));
  await app.register(fileRoutes(deps.blobs, deps.signingSecret));

  // Everything below needs a bearer key.
  // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins and awaits them.
  await app.register(async (api) => {
    api.addHook('onRequest', authHook(deps.keys));
    if (deps.settings.rateLimitPerMinute) {
      await api.register(rateLimit, {
        max: deps.settings.rateLimitPerMinute,
        timeWindow: 60_000,
        hook: 'preHandler',
        keyGenerator: (req) => req.principal?.keyId ?? createHash('sha256').update(req.ip).digest('hex'),
      });
    }
    // Multipart bodies for the routes that take them (video tasks, the SDK's character upload).
    await api.register(multipart);
    await api.register(characterRoutes(deps.characters));
    await api.register(videoRoutes({ ...deps.videos, blobs: deps.blobs }));
    await api.register(modelRoutes(deps.videos.videos));
    await api.register(sdkCharacterRoutes({ characters: deps.characters, tmpDir: deps.videos.tmpDir, maxUploadBytes: deps.videos.maxUploadBytes }));
  });

  return app;
}
