/** The mshv-control version this build is (package.json `version`), written into log headers. */
export const PRODUCT_VERSION = '0.1.0';
