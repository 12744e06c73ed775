"""/api/products: canonical products with their use across the archive and the plugins they gather."""

from app.api import bp
from app.api.documented import documented
from app.api.schemas import ProductAnswer, ProductList
from app.api.sessions import query_params
from app.auth import requires
from app.errors import error_response
from app.extensions import db
from app.list_params import ProductListParams
from app.services.plugins import product_summaries


@bp.get("/products")
@requires("viewer")
@documented(ProductList, "A page of products and how many match in all.", query=ProductListParams, errors=(422,))
def list_products_api():
    """Canonical products in use, most used first: vendor, name, category, their use over the live sessions and the
    plugins (spellings, versions, formats) each gathers."""
    params, refused = query_params(ProductListParams)
    if refused:
        return refused
    products, total = product_summaries(db.session, q=params.q, vendor=tuple(params.vendor),
                                        category=tuple(params.category), limit=params.limit, offset=params.offset)
    return {"products": products, "total_count": total, "limit": params.limit, "offset": params.offset}


@bp.get("/products/<path:product_key>")
@requires("viewer")
@documented(ProductAnswer, "The product.", errors=(404,))
def product_api(product_key):
    """One product with its use and its variants."""
    products, _ = product_summaries(db.session, key=product_key)
    if not products:
        return error_response(404, f"No product in use has key {product_key!r}.")
    return products[0]
