/** The mshv-control version logs name as their writer (package.json's; a test keeps them equal). */
export const PRODUCT_VERSION = '0.1.0';
